#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <cblas.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
#define P 41
#define PP 48
// G (PP x PP row-major, upper part j>=i tiles) += S^T S, S m x PP row-major
__attribute__((target("avx2,fma")))
static void gram_kernel(const double *S, int m, double *G){
  for(int i0=0;i0<P;i0+=6){
    for(int j0=(i0/8)*8;j0<P;j0+=8){
      __m256d c[6][2];
      for(int a=0;a<6;a++){c[a][0]=_mm256_loadu_pd(G+(i0+a)*PP+j0);c[a][1]=_mm256_loadu_pd(G+(i0+a)*PP+j0+4);}
      const double *s=S;
      for(int r=0;r<m;r++,s+=PP){
        __m256d a0=_mm256_loadu_pd(s+j0), a1=_mm256_loadu_pd(s+j0+4);
        for(int a=0;a<6;a++){__m256d b=_mm256_broadcast_sd(s+i0+a);c[a][0]=_mm256_fmadd_pd(b,a0,c[a][0]);c[a][1]=_mm256_fmadd_pd(b,a1,c[a][1]);}
      }
      for(int a=0;a<6;a++){_mm256_storeu_pd(G+(i0+a)*PP+j0,c[a][0]);_mm256_storeu_pd(G+(i0+a)*PP+j0+4,c[a][1]);}
    }
  }
}
__attribute__((target("avx2,fma")))
static void gram_kernel_f(const float *S, int m, float *G){
  for(int i0=0;i0<P;i0+=6){
    for(int j0=(i0/16)*16;j0<P;j0+=16){
      __m256 c[6][2];
      for(int a=0;a<6;a++){c[a][0]=_mm256_setzero_ps();c[a][1]=_mm256_setzero_ps();}
      const float *s=S;
      for(int r=0;r<m;r++,s+=PP){
        __m256 a0=_mm256_loadu_ps(s+j0), a1=_mm256_loadu_ps(s+j0+8);
        for(int a=0;a<6;a++){__m256 b=_mm256_broadcast_ss(s+i0+a);c[a][0]=_mm256_fmadd_ps(b,a0,c[a][0]);c[a][1]=_mm256_fmadd_ps(b,a1,c[a][1]);}
      }
      for(int a=0;a<6;a++){_mm256_storeu_ps(G+(i0+a)*PP+j0,c[a][0]);_mm256_storeu_ps(G+(i0+a)*PP+j0+8,c[a][1]);}
    }
  }
}
int main(int argc,char**argv){
  long n=1<<20; int chunk=argc>1?atoi(argv[1]):32;
  double *X=malloc(sizeof(double)*n*P), *w=malloc(sizeof(double)*n);
  srand(1); for(long i=0;i<n*P;i++) X[i]=(i%P==0)?1:(rand()/(double)RAND_MAX-0.5)*((i%7)+1);
  for(long i=0;i<n;i++) w[i]=0.25*rand()/(double)RAND_MAX;
  openblas_set_num_threads(1);
  double *sb=malloc(sizeof(double)*1024*P), C[P*P];
  for(int rep=0;rep<3;rep++){
    memset(C,0,sizeof C); double t=now();
    for(long st=0;st<n;st+=1024){ for(int i=0;i<1024;i++){double r=sqrt(w[st+i]); for(int j=0;j<P;j++) sb[i*P+j]=X[(st+i)*P+j]*r;}
      cblas_dsyrk(CblasColMajor,CblasUpper,CblasNoTrans,P,1024,1,sb,P,1,C,P);}
    printf("dsyrk1024 %.4f  C[5,7]=%.12g\n",now()-t,C[7*P+5]);
  }
  double *S=aligned_alloc(64,sizeof(double)*chunk*PP); memset(S,0,sizeof(double)*chunk*PP);
  double *G=aligned_alloc(64,sizeof(double)*PP*PP);
  for(int rep=0;rep<3;rep++){
    memset(G,0,sizeof(double)*PP*PP); double t=now();
    for(long st=0;st<n;st+=chunk){ for(int i=0;i<chunk;i++){double r=sqrt(w[st+i]); for(int j=0;j<P;j++) S[i*PP+j]=X[(st+i)*P+j]*r;}
      gram_kernel(S,chunk,G);}
    printf("kernel%d %.4f  G[5,7]=%.12g\n",chunk,now()-t,G[5*PP+7]);
  }
  float *Sf=aligned_alloc(64,sizeof(float)*256*PP); memset(Sf,0,sizeof(float)*256*PP);
  float *Gf=aligned_alloc(64,sizeof(float)*PP*PP); double *Gd=calloc(PP*PP,8);
  for(int rep=0;rep<3;rep++){
    memset(Gd,0,sizeof(double)*PP*PP); double t=now();
    for(long st=0;st<n;st+=256){ for(int i=0;i<256;i++){double r=sqrt(w[st+i]); for(int j=0;j<P;j++) Sf[i*PP+j]=(float)(X[(st+i)*P+j]*r);}
      gram_kernel_f(Sf,256,Gf); for(int i=0;i<P;i++) for(int j=(i/16)*16;j<P;j++) Gd[i*PP+j]+=Gf[i*PP+j];}
    printf("kernelf %.4f  G[5,7]=%.12g\n",now()-t,Gd[5*PP+7]);
  }
  float *sf=malloc(sizeof(float)*256*P); float Cf[P*P]; double Cd[P*P];
  for(int rep=0;rep<3;rep++){
    memset(Cd,0,sizeof Cd); double t=now();
    for(long st=0;st<n;st+=256){ for(int i=0;i<256;i++){double r=sqrt(w[st+i]); for(int j=0;j<P;j++) sf[i*P+j]=(float)(X[(st+i)*P+j]*r);}
      cblas_ssyrk(CblasColMajor,CblasUpper,CblasNoTrans,P,256,1,sf,P,0,Cf,P); for(int k=0;k<P*P;k++) Cd[k]+=Cf[k];}
    printf("ssyrk256 %.4f  C[5,7]=%.12g\n",now()-t,Cd[7*P+5]);
  }
}
