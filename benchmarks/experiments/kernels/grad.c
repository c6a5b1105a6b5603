#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <cblas.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
#define P 41
__attribute__((target("avx2,fma")))
static void fused(const double *X, const double *y, int m, const double *beta, double *g){
  // beta padded to 44
  __m256d b[11]; double bp[44]={0}; memcpy(bp,beta,8*P); for(int k=0;k<11;k++) b[k]=_mm256_loadu_pd(bp+4*k);
  __m256d G[11]; double gp[44]={0}; memcpy(gp,g,8*P); for(int k=0;k<11;k++) G[k]=_mm256_loadu_pd(gp+4*k);
  __m256d tailmask_dummy;
  for(int i=0;i<m;i++){
    const double *x=X+(long)i*P;
    __m256d a0=_mm256_mul_pd(_mm256_loadu_pd(x),b[0]), a1=_mm256_mul_pd(_mm256_loadu_pd(x+4),b[1]);
    for(int k=2;k<10;k+=2){a0=_mm256_fmadd_pd(_mm256_loadu_pd(x+4*k),b[k],a0);a1=_mm256_fmadd_pd(_mm256_loadu_pd(x+4*k+4),b[k+1],a1);}
    a0=_mm256_add_pd(a0,a1); __m128d h=_mm_add_pd(_mm256_castpd256_pd128(a0),_mm256_extractf128_pd(a0,1));
    double e=_mm_cvtsd_f64(_mm_add_sd(h,_mm_unpackhi_pd(h,h))) + x[40]*bp[40];
    double t=exp(-fabs(e)), u=1+t, mu=e>=0?1/u:t/u; double r=y[i]-mu;
    __m256d rv=_mm256_set1_pd(r);
    for(int k=0;k<10;k++) G[k]=_mm256_fmadd_pd(rv,_mm256_loadu_pd(x+4*k),G[k]);
    gp[40]+=r*x[40];
  }
  double tmp[44]; for(int k=0;k<10;k++) _mm256_storeu_pd(tmp+4*k,G[k]); for(int j=0;j<40;j++) g[j]=tmp[j]; g[40]=gp[40];
}

__attribute__((target("avx2,fma")))
static void rowprod(const double *X, int m, const double *beta, double *eta){
  __m256d b[11]; double bp[44]={0}; memcpy(bp,beta,8*P); for(int k=0;k<11;k++) b[k]=_mm256_loadu_pd(bp+4*k);
  for(int i=0;i<m;i++){ const double *x=X+(long)i*P;
    __m256d a0=_mm256_mul_pd(_mm256_loadu_pd(x),b[0]), a1=_mm256_mul_pd(_mm256_loadu_pd(x+4),b[1]);
    for(int k=2;k<10;k+=2){a0=_mm256_fmadd_pd(_mm256_loadu_pd(x+4*k),b[k],a0);a1=_mm256_fmadd_pd(_mm256_loadu_pd(x+4*k+4),b[k+1],a1);}
    a0=_mm256_add_pd(a0,a1); __m128d h=_mm_add_pd(_mm256_castpd256_pd128(a0),_mm256_extractf128_pd(a0,1));
    eta[i]=_mm_cvtsd_f64(_mm_add_sd(h,_mm_unpackhi_pd(h,h))) + x[40]*bp[40]; }
}
__attribute__((target("avx2,fma")))
static void accum(const double *X, int m, const double *r, double *g){
  __m256d G[10]; for(int k=0;k<10;k++) G[k]=_mm256_loadu_pd(g+4*k); double g40=g[40];
  for(int i=0;i<m;i++){ const double *x=X+(long)i*P; __m256d rv=_mm256_set1_pd(r[i]);
    for(int k=0;k<10;k++) G[k]=_mm256_fmadd_pd(rv,_mm256_loadu_pd(x+4*k),G[k]); g40+=r[i]*x[40]; }
  for(int k=0;k<10;k++) _mm256_storeu_pd(g+4*k,G[k]); g[40]=g40;
}
int main(){
  long n=1<<20; double *X=malloc(8*n*P),*y=malloc(8*n); srand(2);
  for(long i=0;i<n*P;i++) X[i]=(i%P==0)?1:(rand()/(double)RAND_MAX-0.5)*0.3; for(long i=0;i<n;i++) y[i]=rand()%2;
  double beta[P]; for(int j=0;j<P;j++) beta[j]=0.1*((j%5)-2);
  openblas_set_num_threads(1);
  double eta[256], r[256], g[P];
  for(int rep=0;rep<3;rep++){ memset(g,0,sizeof g); double t=now();
    for(long st=0;st<n;st+=256){ const double *b=X+st*P;
      cblas_dgemv(CblasColMajor,CblasTrans,P,256,1,b,P,beta,1,0,eta,1);
      for(int i=0;i<256;i++){double e=eta[i],tt=exp(-fabs(e)),u=1+tt,mu=e>=0?1/u:tt/u; r[i]=y[st+i]-mu;}
      cblas_dgemv(CblasColMajor,CblasNoTrans,P,256,1,b,P,r,1,1,g,1);}
    printf("dgemv %.4f g3=%.12g\n",now()-t,g[3]); }
  for(int rep=0;rep<3;rep++){ memset(g,0,sizeof g); double t=now();
    for(long st=0;st<n;st+=256) fused(X+st*P,y+st,256,beta,g);
    printf("fused %.4f g3=%.12g\n",now()-t,g[3]); }
  for(int rep=0;rep<3;rep++){ memset(g,0,sizeof g); double t=now();
    for(long st=0;st<n;st+=256){ const double *b=X+st*P; rowprod(b,256,beta,eta);
      for(int i=0;i<256;i++){double e=eta[i],tt=exp(-fabs(e)),u=1+tt,mu=e>=0?1/u:tt/u; r[i]=y[st+i]-mu;}
      accum(b,256,r,g);}
    printf("split %.4f g3=%.12g\n",now()-t,g[3]); }
  for(int rep=0;rep<3;rep++){ double t=now(); double s=0; for(long i=0;i<n*P;i+=8) s+=X[i]; printf("read %.4f %g\n",now()-t,s);}
}
